-- dashboard events sample: at most $per_month events per month (undated: one more group), chosen
-- by a hash of event_id (stable between builds), then at most $max_events of them, latest first;
-- with the evidence sentence (cut to 600 characters), rule id and the source article (title, URL).

with events as (

    select * from events_dyadic

),

docs as (

    select doc_id, title, source from articles

),

sampled as (

    select *
    from events
    qualify row_number() over (
        partition by date_trunc('month', event_date) order by hash(event_id), event_id
    ) <= $per_month

),

final as (

    select
        sampled.event_id,
        strftime(sampled.event_date, '%Y-%m-%d') as event_date,
        strftime(date_trunc('month', sampled.event_date), '%Y-%m') as month,
        sampled.actor1_code,
        sampled.actor2_code,
        sampled.actor1_text,
        sampled.actor2_text,
        sampled.actor1_country,
        sampled.actor2_country,
        sampled.cameo_code,
        sampled.cameo_root,
        sampled.quad_class,
        sampled.goldstein,
        sampled.location_name,
        sampled.location_country,
        sampled.rule_id,
        left(sampled.sentence, 600) as sentence,
        coalesce(sampled.outlet, docs.source) as outlet,
        sampled.url,
        docs.title

    from sampled
    left join docs on sampled.doc_id = docs.doc_id

)

select * from final
order by event_date desc nulls last, event_id
limit $max_events

-- events_dyadic: one row per event (every row of `events`) as one directed dyad
-- source -> target, with the dyad at actor level (CAMEO actor codes) and at country level
-- (ISO3), directed and undirected, plus the article's outlet.
-- Events without a target keep target NULL (actor2 is NULL), so every period view below
-- reconciles exactly with `select count(*) from events`. is_factual is carried along.
-- Unattributed events (no named perpetrator: source_code NULL, rule id "*.unattributed") keep
-- actor1 NULL the same way; filter `actor1 is not null` for dyads between named actors.
-- Undirected pairs put the lower code first (actor1_u <= actor2_u); when one side is NULL the
-- pair keeps its directed order.
-- outlet = the article's source, else the host of its URL (for n_sources, GDELT NumSources).
-- fatalities (NULL = unknown, 0 only where the text says no one died) with fatalities_text, the
-- span that gave it; plover_event_type / plover_mode through the CAMEO->PLOVER crosswalk.

create or replace view events_dyadic as

with events as (

    select * from events

),

articles as (

    select * from mart_articles

),

joined as (

    select
        events.*,
        articles.outlet,
        articles.url,
        articles.published,
        articles.ingested_at

    from events
    left join articles on events.doc_id = articles.doc_id

),

final as (

    select
        event_id,
        doc_id,
        event_date,
        date_precision,
        source_code as actor1_code,
        target_code as actor2_code,
        source_country as actor1_country,
        target_country as actor2_country,
        case
            when source_code is null or target_code is null then source_code
            else least(source_code, target_code)
        end as actor1_code_u,
        case
            when source_code is null or target_code is null then target_code
            else greatest(source_code, target_code)
        end as actor2_code_u,
        case
            when source_country is null or target_country is null then source_country
            else least(source_country, target_country)
        end as actor1_country_u,
        case
            when source_country is null or target_country is null then target_country
            else greatest(source_country, target_country)
        end as actor2_country_u,
        source_text as actor1_text,
        target_text as actor2_text,
        source_role as actor1_role,
        target_role as actor2_role,
        cameo_code,
        cameo_base,
        cameo_root,
        quad_class,
        goldstein,
        fatalities,
        fatalities_text,
        location_name,
        location_country,
        admin1,
        latitude,
        longitude,
        geo_precision,
        acled_event_type,
        acled_sub_event_type,
        interaction,
        plover_event_type,
        plover_mode,
        confidence,
        is_factual,
        rule_id,
        date_source,
        is_historical,
        outlet,
        url,
        published,
        ingested_at,
        sentence_index,
        sentence

    from joined

)

select * from final

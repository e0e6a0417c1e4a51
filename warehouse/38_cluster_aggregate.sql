-- cluster_aggregate(date_from, date_to, precisions, undated): table macro computing event_clusters
-- (below) for the events dated in [date_from, date_to) whose date_precision is in `precisions`
-- (plus the undated ones when `undated`). A cluster's date is its events' date truncated to the
-- precision, so bounds on month starts select whole day/month clusters and bounds on year starts
-- whole year clusters: dyadflow.warehouse.refresh_marts recomputes the clusters of a changed
-- month (day and month precision) and of its year (year precision) in mart_event_clusters.
--
-- event_clusters: one row per corroborated real-world event (GDELT sense): the events
-- (events_dyadic) that share
--   the date at its precision (event_date truncated to date_precision, and date_precision
--   itself, so "December 2022" never merges with "28 December 2022"),
--   the directed dyad (actor1_code -> actor2_code, NULL target included),
--   the CAMEO root code, and the place (location_country, location_name; NULL is a value).
-- Undated events never cluster with dated ones, and cluster with other undated events only
-- within the same article (an undated background mention cannot be matched across articles).
-- num_mentions = events in the cluster, num_articles = distinct doc_id, num_sources = distinct
-- outlet (GDELT NumMentions / NumArticles / NumSources); outlets = the sorted distinct outlets.
-- The representative mention (its code, Goldstein weight, evidence sentence, coordinates) is
-- the one from the earliest published article, then lowest doc_id, sentence_index, event_id.
-- fatalities = the lowest reported figure (ACLED: most conservative estimate), NULL if none;
-- fatalities_text = the text span that gave it. plover_event_type / plover_mode: the
-- representative mention's PLOVER type and mode.
-- cluster_id = md5 of the cluster key: stable across runs for the same coded events.

create or replace macro cluster_aggregate(date_from, date_to, precisions, undated) as table

with events as (

    select * from events_dyadic
    where (event_date >= date_from and event_date < date_to and list_contains(precisions, date_precision))
       or (undated and event_date is null)

),

keyed as (

    select
        *,
        cast(case date_precision
            when 'year' then date_trunc('year', event_date)
            when 'month' then date_trunc('month', event_date)
            else event_date
        end as date) as cluster_date,
        case when event_date is null then doc_id end as undated_doc_id

    from events

),

clustered as (

    select
        cluster_date,
        date_precision,
        undated_doc_id,
        actor1_code,
        actor2_code,
        cameo_root,
        location_country,
        location_name,
        count(*) as num_mentions,
        count(distinct doc_id) as num_articles,
        count(distinct outlet) as num_sources,
        list_sort(list(distinct outlet) filter (where outlet is not null)) as outlets,
        min(fatalities) as fatalities,
        arg_min(fatalities_text, fatalities) as fatalities_text,
        min(ingested_at) as first_ingested_at,
        arg_min(
            {
                'event_id': event_id,
                'doc_id': doc_id,
                'cameo_code': cameo_code,
                'cameo_base': cameo_base,
                'quad_class': quad_class,
                'goldstein': goldstein,
                'actor1_text': actor1_text,
                'actor2_text': actor2_text,
                'actor1_country': actor1_country,
                'actor2_country': actor2_country,
                'actor1_role': actor1_role,
                'actor2_role': actor2_role,
                'admin1': admin1,
                'latitude': latitude,
                'longitude': longitude,
                'geo_precision': geo_precision,
                'acled_event_type': acled_event_type,
                'acled_sub_event_type': acled_sub_event_type,
                'interaction': interaction,
                'plover_event_type': plover_event_type,
                'plover_mode': plover_mode,
                'sentence_index': sentence_index,
                'sentence': sentence,
                'url': url,
                'outlet': outlet
            },
            {
                'published': coalesce(published, date '9999-12-31'),
                'doc_id': doc_id,
                'sentence_index': sentence_index,
                'event_id': event_id
            }
        ) as rep

    from keyed
    group by all

),

final as (

    select
        md5(concat_ws(chr(31),
            coalesce(cast(cluster_date as varchar), '-'),
            date_precision,
            coalesce(undated_doc_id, '-'),
            coalesce(actor1_code, '-'),
            coalesce(actor2_code, '-'),
            cameo_root,
            coalesce(location_country, '-'),
            coalesce(lower(location_name), '-')
        )) as cluster_id,
        cluster_date as event_date,
        date_precision,
        actor1_code,
        actor2_code,
        rep.actor1_text,
        rep.actor2_text,
        rep.actor1_country,
        rep.actor2_country,
        rep.actor1_role,
        rep.actor2_role,
        rep.cameo_code,
        rep.cameo_base,
        cameo_root,
        rep.quad_class,
        rep.goldstein,
        location_country,
        location_name,
        rep.admin1,
        rep.latitude,
        rep.longitude,
        rep.geo_precision,
        rep.acled_event_type,
        rep.acled_sub_event_type,
        rep.interaction,
        rep.plover_event_type,
        rep.plover_mode,
        fatalities,
        fatalities_text,
        num_mentions,
        num_articles,
        num_sources,
        rep.event_id as representative_event_id,
        rep.doc_id as first_doc_id,
        rep.sentence_index,
        rep.sentence,
        rep.url as first_url,
        rep.outlet as first_outlet,
        outlets,
        first_ingested_at

    from clustered

)

select * from final

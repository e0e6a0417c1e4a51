-- stg_external_events: one row per row imported from another event dataset (`dyadflow import
-- gdelt|acled FILE...`), before deduplication: an id imported twice has two rows here.
-- Reads {{ data_dir }}/external/part-*.parquet (schemas/external_events.json); a typed empty
-- relation when nothing was imported yet. Only staging views read Parquet.

create or replace view stg_external_events as

with source as (

    select * from {{ parquet:external_events }}

),

renamed as (

    select
        external_id,
        source_system,
        native_id,
        event_date,
        date_precision,
        actor1_code,
        actor1_name,
        actor1_country,
        cast(actor1_inter as integer) as actor1_inter,
        actor2_code,
        actor2_name,
        actor2_country,
        cast(actor2_inter as integer) as actor2_inter,
        cast(cameo_code as varchar) as cameo_code,
        cast(cameo_root as varchar) as cameo_root,
        cast(quad_class as integer) as quad_class,
        goldstein,
        event_type,
        sub_event_type,
        cast(interaction as integer) as interaction,
        cast(fatalities as integer) as fatalities,
        location_name,
        location_country,
        latitude,
        longitude,
        cast(num_mentions as integer) as num_mentions,
        cast(num_sources as integer) as num_sources,
        cast(num_articles as integer) as num_articles,
        source_url,
        sources,
        file,
        line,
        imported_at,
        import_id

    from source

)

select * from renamed

-- stg_events: one row per event row in the Parquet files (before dedup and commit check).
-- Reads {{ data_dir }}/events/year=*/month=*/part-*.parquet (hive-partitioned by year/month of
-- event_date, undated rows in year=unknown/month=unknown).
-- The path is absolute and re-rendered by dyadflow.warehouse.apply_views on every connect, so a
-- moved warehouse folder works again as soon as it is opened through dyadflow (or refreshed).
-- When no events file exists at apply time this view is a typed empty relation.
-- Only staging views read Parquet; every later view reads these by name.
-- part_year/part_month/part_file: the hive partition and the file a row comes from; the
-- materialisation (dyadflow.warehouse.refresh_marts) reads one partition at a time through
-- filters on these columns (DuckDB prunes the other files).

create or replace view stg_events as

with source as (

    select * from {{ parquet:events }}
    -- files written before these columns existed lack them: they read as NULL
    union all by name
    select
        cast(null as varchar) as fatalities_text,
        cast(null as varchar) as plover_event_type,
        cast(null as varchar) as plover_mode
    where false

),

renamed as (

    select
        event_id,
        doc_id,
        sentence_index,
        sentence,
        char_start,
        char_end,
        source_text,
        source_code,
        source_country,
        source_role,
        target_text,
        target_code,
        target_country,
        target_role,
        cast(cameo_code as varchar) as cameo_code,
        cast(cameo_root as varchar) as cameo_root,
        cameo_label,
        cast(quad_class as integer) as quad_class,
        goldstein,
        event_date,
        date_precision,
        date_source,
        is_historical,
        location_name,
        location_country,
        admin1,
        latitude,
        longitude,
        cast(geo_precision as integer) as geo_precision,
        acled_event_type,
        acled_sub_event_type,
        cast(interaction as integer) as interaction,
        cast(fatalities as integer) as fatalities,
        fatalities_text,
        plover_event_type,
        plover_mode,
        negated,
        modality,
        confidence,
        rule_id,
        source_outlet,
        coder_version,
        dictionary_version,
        run_id,
        cast(year as varchar) as part_year,
        cast(month as varchar) as part_month,
        regexp_extract(filename, '[^/\\]*$') as part_file

    from source

)

select * from renamed

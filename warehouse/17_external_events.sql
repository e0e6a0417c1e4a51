-- external_events: one row per event of another dataset (source_system 'gdelt' or 'acled' and
-- its own id); when an id was imported more than once the latest import wins (ACLED updates
-- events in place). Dyad and period keys match dyadflow's views:
--   actor1_code/actor2_code       CAMEO actor codes (GDELT's own; ACLED: country + role, e.g. KENCOP)
--   actor1_country/actor2_country ISO3 (GDELT CAMEO country codes and ACLED actors mapped)
--   country1_u/country2_u         the unordered country pair (country1_u <= country2_u; a one-sided
--                                 event keeps actor1's country and NULL), as in events_dyadic
--   period_day/week/month/quarter/year  date_trunc of event_date (weeks start on Monday)
-- Provenance: file (file!member for zip archives) and line of the imported row, import_id.

create or replace view external_events as

with imported as (

    select * from stg_external_events

),

latest as (

    select *
    from imported
    qualify row_number() over (
        partition by external_id order by imported_at desc, file desc, line desc
    ) = 1

),

final as (

    select
        *,
        case
            when actor1_country is null or actor2_country is null then actor1_country
            else least(actor1_country, actor2_country)
        end as country1_u,
        case
            when actor1_country is null or actor2_country is null then actor2_country
            else greatest(actor1_country, actor2_country)
        end as country2_u,
        event_date as period_day,
        cast(date_trunc('week', event_date) as date) as period_week,
        cast(date_trunc('month', event_date) as date) as period_month,
        cast(date_trunc('quarter', event_date) as date) as period_quarter,
        cast(date_trunc('year', event_date) as date) as period_year

    from latest

)

select * from final

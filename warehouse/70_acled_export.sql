-- acled_export: one row per corroborated event (event_clusters) that is dated and has an ACLED
-- event type, with ACLED's 31 export columns in ACLED's order and semantics
-- (../shared/reference/acled_columns.csv):
--   event_id_cnty   ISO3 of the place (else of actor1) + the first 10 hex digits of cluster_id
--   time_precision  1 = day, 3 = month or year (ACLED has no coarser code)
--   disorder_type   from seed_acled_event_types
--   sub_event_type  the crosswalk's sub-type; "Other" for Strategic developments without one
--   inter1/inter2/interaction  numeric ACLED codes (the API's inter_num=1 form); inter2 and the
--                   second digit are 0 for one-sided events; inter1 is the digit of the
--                   interaction code that matches actor1's role (seed_acled_actor_roles)
--   civilian_targeting  "Civilians targeted" for political violence against Civilians (x7, 78)
--   iso/region/country  from seed_country_geo (ISO numeric, ACLED region, country name)
--   geo_precision   1 place, 2 admin region, 3 country (the event's own scale)
--   source          the reporting outlets, "; "-separated; notes = the evidence sentence
--   fatalities      the lowest figure reported in the cluster; ACLED's convention for no
--                   information is 0 (acled_columns.csv: "no information = 0"), so an unknown
--                   count (NULL in events / event_clusters) is written 0 here and flagged in tags
--   tags            dyadflow provenance: CAMEO code, PLOVER type, corroboration counts, and
--                   "fatalities=unknown" where no count was reported (tells it from a reported 0)
--   timestamp       Unix time of the first ingestion of a reporting article
-- Actor names are the text spans of the representative mention (else the CAMEO code); an
-- unattributed event (no named perpetrator: actor1_code NULL) writes ACLED's
-- "Unidentified Armed Group (Country)" for political violence, "Unidentified Actor (Country)" else.

create or replace view acled_export as

with clusters as (

    select * from event_clusters
    where event_date is not null
      and acled_event_type is not null

),

event_types as (

    select * from seed_acled_event_types

),

countries as (

    select * from seed_country_geo

),

roles as (

    select * from seed_acled_actor_roles

),

typed as (

    select
        clusters.*,
        coalesce(
            clusters.acled_sub_event_type,
            case when clusters.acled_event_type = 'Strategic developments' then 'Other' end
        ) as sub_event_type,
        coalesce(clusters.location_country, clusters.actor1_country) as place_iso3,
        (
            select roles.inter_code
            from roles
            where roles.role in (
                upper(clusters.actor1_role),
                substr(clusters.actor1_code, 4, 3),
                substr(clusters.actor1_code, 7, 3)
            )
            order by roles.priority
            limit 1
        ) as actor1_role_inter

    from clusters

),

inters as (

    select
        typed.*,
        case
            when interaction is null then null
            when interaction % 10 = 0 then interaction // 10
            when actor1_role_inter = interaction % 10 then interaction % 10
            else interaction // 10
        end as inter1_code

    from typed

),

final as (

    select
        inters.place_iso3 || upper(left(inters.cluster_id, 10)) as event_id_cnty,
        inters.event_date,
        year(inters.event_date) as year,
        case inters.date_precision when 'day' then 1 else 3 end as time_precision,
        event_types.disorder_type,
        inters.acled_event_type as event_type,
        inters.sub_event_type,
        case
            when inters.actor1_code is null
                then 'Unidentified '
                    || case when event_types.political_violence then 'Armed Group' else 'Actor' end
                    || ' (' || coalesce(countries.name, 'International') || ')'
            else coalesce(inters.actor1_text, inters.actor1_code)
        end as actor1,
        cast(null as varchar) as assoc_actor_1,
        inters.inter1_code as inter1,
        coalesce(inters.actor2_text, inters.actor2_code) as actor2,
        cast(null as varchar) as assoc_actor_2,
        case
            when inters.interaction is null then null
            when inters.interaction % 10 = 0 then 0
            when inters.inter1_code = inters.interaction // 10 then inters.interaction % 10
            else inters.interaction // 10
        end as inter2,
        inters.interaction,
        case
            when event_types.political_violence
                and inters.interaction is not null
                and (inters.interaction % 10 = 7 or inters.interaction = 78)
                then 'Civilians targeted'
        end as civilian_targeting,
        countries.iso_numeric as iso,
        countries.acled_region as region,
        countries.name as country,
        inters.admin1,
        cast(null as varchar) as admin2,
        cast(null as varchar) as admin3,
        coalesce(inters.location_name, countries.name) as location,
        round(inters.latitude, 4) as latitude,
        round(inters.longitude, 4) as longitude,
        inters.geo_precision,
        array_to_string(inters.outlets, '; ') as source,
        cast(null as varchar) as source_scale,
        inters.sentence as notes,
        coalesce(inters.fatalities, 0) as fatalities,
        'cameo=' || inters.cameo_code
            || coalesce('; plover=' || inters.plover_event_type, '')
            || case when inters.fatalities is null then '; fatalities=unknown' else '' end
            || '; mentions=' || inters.num_mentions
            || '; articles=' || inters.num_articles
            || '; dyadflow_cluster=' || inters.cluster_id as tags,
        cast(epoch(inters.first_ingested_at) as bigint) as timestamp

    from inters
    left join event_types
        on  inters.acled_event_type = event_types.event_type
        and inters.sub_event_type = event_types.sub_event_type
    left join countries on inters.place_iso3 = countries.iso3

)

select * from final

-- gdelt_export: one row per dated corroborated event (event_clusters), with the 61 GDELT 2.0
-- Event columns in GDELT's order and types (../shared/reference/gdelt_events_v2_columns.csv):
--   GLOBALEVENTID   the first 15 hex digits of cluster_id as an integer (stable across runs)
--   SQLDATE/MonthYear/Year/FractionDate  from the event date at its precision (a month-precision
--                   date is the 1st); FractionDate = Year + (Month * 30 + Day) / 365 (GDELT)
--   Actor*Code/Name/CountryCode/Type1Code  CAMEO actor code, the text span upper-cased, the
--                   actor's country (CAMEO country codes are ISO3 for countries), its role
--   IsRootEvent     1 when the representative mention is in the article's first sentence
--   EventCode/EventBaseCode/EventRootCode  strings with leading zeros ("036", "036", "03")
--   NumMentions/NumSources/NumArticles  the cluster's counts; AvgTone NULL (not computed)
--   Actor1Geo_*/Actor2Geo_*  NULL (dyadflow geocodes the action, not the actors)
--   ActionGeo_Type  1 country, 4 world city, 5 world state (2/3 for US states/cities)
--   ActionGeo_CountryCode  FIPS 10-4 (seed_country_geo), ADM1Code the FIPS code for
--                   country-level places (admin FIPS codes are not known), FeatureID likewise
--   DATEADDED       YYYYMMDDHHMMSS (UTC) of the first ingestion of a reporting article
--   SOURCEURL       the first article's URL
-- Undated events have no SQLDATE and are left out.

create or replace view gdelt_export as

with clusters as (

    select * from event_clusters
    where event_date is not null

),

countries as (

    select * from seed_country_geo

),

final as (

    select
        cast(('0x' || left(clusters.cluster_id, 15)) as bigint) as GLOBALEVENTID,
        cast(strftime(clusters.event_date, '%Y%m%d') as integer) as SQLDATE,
        cast(strftime(clusters.event_date, '%Y%m') as integer) as MonthYear,
        year(clusters.event_date) as "Year",
        round(year(clusters.event_date)
            + (month(clusters.event_date) * 30 + day(clusters.event_date)) / 365.0, 4) as FractionDate,
        clusters.actor1_code as Actor1Code,
        upper(clusters.actor1_text) as Actor1Name,
        clusters.actor1_country as Actor1CountryCode,
        cast(null as varchar) as Actor1KnownGroupCode,
        cast(null as varchar) as Actor1EthnicCode,
        cast(null as varchar) as Actor1Religion1Code,
        cast(null as varchar) as Actor1Religion2Code,
        clusters.actor1_role as Actor1Type1Code,
        cast(null as varchar) as Actor1Type2Code,
        cast(null as varchar) as Actor1Type3Code,
        clusters.actor2_code as Actor2Code,
        upper(clusters.actor2_text) as Actor2Name,
        clusters.actor2_country as Actor2CountryCode,
        cast(null as varchar) as Actor2KnownGroupCode,
        cast(null as varchar) as Actor2EthnicCode,
        cast(null as varchar) as Actor2Religion1Code,
        cast(null as varchar) as Actor2Religion2Code,
        clusters.actor2_role as Actor2Type1Code,
        cast(null as varchar) as Actor2Type2Code,
        cast(null as varchar) as Actor2Type3Code,
        case when clusters.sentence_index = 0 then 1 else 0 end as IsRootEvent,
        clusters.cameo_code as EventCode,
        clusters.cameo_base as EventBaseCode,
        clusters.cameo_root as EventRootCode,
        clusters.quad_class as QuadClass,
        clusters.goldstein as GoldsteinScale,
        clusters.num_mentions as NumMentions,
        clusters.num_sources as NumSources,
        clusters.num_articles as NumArticles,
        cast(null as double) as AvgTone,
        cast(null as integer) as Actor1Geo_Type,
        cast(null as varchar) as Actor1Geo_FullName,
        cast(null as varchar) as Actor1Geo_CountryCode,
        cast(null as varchar) as Actor1Geo_ADM1Code,
        cast(null as varchar) as Actor1Geo_ADM2Code,
        cast(null as double) as Actor1Geo_Lat,
        cast(null as double) as Actor1Geo_Long,
        cast(null as varchar) as Actor1Geo_FeatureID,
        cast(null as integer) as Actor2Geo_Type,
        cast(null as varchar) as Actor2Geo_FullName,
        cast(null as varchar) as Actor2Geo_CountryCode,
        cast(null as varchar) as Actor2Geo_ADM1Code,
        cast(null as varchar) as Actor2Geo_ADM2Code,
        cast(null as double) as Actor2Geo_Lat,
        cast(null as double) as Actor2Geo_Long,
        cast(null as varchar) as Actor2Geo_FeatureID,
        case
            when clusters.location_country is null then null
            when clusters.geo_precision = 3 then 1
            when clusters.geo_precision = 2 then case when clusters.location_country = 'USA' then 2 else 5 end
            else case when clusters.location_country = 'USA' then 3 else 4 end
        end as ActionGeo_Type,
        case
            when clusters.geo_precision = 3 or clusters.location_name is null then countries.name
            else concat_ws(', ', clusters.location_name, clusters.admin1, countries.name)
        end as ActionGeo_FullName,
        countries.fips as ActionGeo_CountryCode,
        case when clusters.geo_precision = 3 then countries.fips end as ActionGeo_ADM1Code,
        cast(null as varchar) as ActionGeo_ADM2Code,
        clusters.latitude as ActionGeo_Lat,
        clusters.longitude as ActionGeo_Long,
        case when clusters.geo_precision = 3 then countries.fips end as ActionGeo_FeatureID,
        cast(strftime(timezone('UTC', clusters.first_ingested_at), '%Y%m%d%H%M%S') as bigint) as DATEADDED,
        clusters.first_url as SOURCEURL

    from clusters
    left join countries on clusters.location_country = countries.iso3

)

select * from final

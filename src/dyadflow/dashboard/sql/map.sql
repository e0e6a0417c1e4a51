-- dashboard map: one row per month x event location country (ISO3, with its ISO numeric code,
-- the id of the world-atlas geometry) x quad class x CAMEO root, over the `events` view.
-- Events without a location country are left out (the map shows located events only).

with located as (

    select * from events
    where location_country is not null

),

countries as (

    select iso3, iso_numeric from seed_country_geo

),

final as (

    select
        strftime(date_trunc('month', located.event_date), '%Y-%m') as month,
        located.location_country,
        lpad(cast(countries.iso_numeric as varchar), 3, '0') as geo_id,
        located.quad_class,
        located.cameo_root,
        count(*) as n_events

    from located
    left join countries on located.location_country = countries.iso3
    group by all

)

select * from final
order by month, location_country, quad_class, cameo_root

-- dyad_period(period, level := 'actor', direction := 'directed'): table macro, one row per
-- dyad and period_start for any date_trunc part (columns, grain and measures: see
-- 39_dyad_aggregate.sql). For day, week, month, quarter and year it reads the materialised
-- tables mart_dyad_<period>[_undirected|_country|_country_undirected], kept exact by
-- dyadflow.warehouse.refresh_marts on every apply (each branch's filter is constant, so DuckDB
-- drops all but one branch when the macro is bound); any other part ('decade', 'isoyear', ...)
-- is aggregated from events_dyadic on the fly by dyad_aggregate().
-- n_events counts event reports, n_distinct_events distinct real-world events (event_clusters).
-- The mart_dyad_* tables hold their own period/level/direction columns, so the filters below
-- also select the right table for a given (period, level, direction).

create or replace macro dyad_period(period, level := 'actor', direction := 'directed') as table

select * from mart_dyad_day
where period = 'day' and level = 'actor' and direction = 'directed'

union all

select * from mart_dyad_day_undirected
where period = 'day' and level = 'actor' and direction = 'undirected'

union all

select * from mart_dyad_day_country
where period = 'day' and level = 'country' and direction = 'directed'

union all

select * from mart_dyad_day_country_undirected
where period = 'day' and level = 'country' and direction = 'undirected'

union all

select * from mart_dyad_week
where period = 'week' and level = 'actor' and direction = 'directed'

union all

select * from mart_dyad_week_undirected
where period = 'week' and level = 'actor' and direction = 'undirected'

union all

select * from mart_dyad_week_country
where period = 'week' and level = 'country' and direction = 'directed'

union all

select * from mart_dyad_week_country_undirected
where period = 'week' and level = 'country' and direction = 'undirected'

union all

select * from mart_dyad_month
where period = 'month' and level = 'actor' and direction = 'directed'

union all

select * from mart_dyad_month_undirected
where period = 'month' and level = 'actor' and direction = 'undirected'

union all

select * from mart_dyad_month_country
where period = 'month' and level = 'country' and direction = 'directed'

union all

select * from mart_dyad_month_country_undirected
where period = 'month' and level = 'country' and direction = 'undirected'

union all

select * from mart_dyad_quarter
where period = 'quarter' and level = 'actor' and direction = 'directed'

union all

select * from mart_dyad_quarter_undirected
where period = 'quarter' and level = 'actor' and direction = 'undirected'

union all

select * from mart_dyad_quarter_country
where period = 'quarter' and level = 'country' and direction = 'directed'

union all

select * from mart_dyad_quarter_country_undirected
where period = 'quarter' and level = 'country' and direction = 'undirected'

union all

select * from mart_dyad_year
where period = 'year' and level = 'actor' and direction = 'directed'

union all

select * from mart_dyad_year_undirected
where period = 'year' and level = 'actor' and direction = 'undirected'

union all

select * from mart_dyad_year_country
where period = 'year' and level = 'country' and direction = 'directed'

union all

select * from mart_dyad_year_country_undirected
where period = 'year' and level = 'country' and direction = 'undirected'

union all

select * from dyad_aggregate(period, level, direction, date '0001-01-01', date '9999-12-31', true)
where period not in ('day', 'week', 'month', 'quarter', 'year')

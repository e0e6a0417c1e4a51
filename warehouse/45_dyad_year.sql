-- dyad_year*: one row per dyad and year (columns and measures: see 39_dyad_aggregate.sql),
-- read from the native tables mart_dyad_year* that dyadflow.warehouse.refresh_marts materialises
-- and refreshes incrementally (only the years touched by changed Parquet partitions are recomputed).
-- period_start is 1 January; NULL for undated events.
-- Counts: n_events = event REPORTS (one per coded mention: a story in 80 articles counts 80);
-- n_distinct_events = distinct REAL-WORLD events (event_clusters) among those reports.
--   dyad_year                      one row per directed actor-code dyad (source -> target) and year
--   dyad_year_undirected           one row per unordered actor-code pair (actor1 <= actor2) and year
--   dyad_year_country              one row per directed country dyad (ISO3) and year
--   dyad_year_country_undirected   one row per unordered country pair and year

create or replace view dyad_year as
select * from mart_dyad_year;

create or replace view dyad_year_undirected as
select * from mart_dyad_year_undirected;

create or replace view dyad_year_country as
select * from mart_dyad_year_country;

create or replace view dyad_year_country_undirected as
select * from mart_dyad_year_country_undirected;

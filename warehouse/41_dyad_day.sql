-- dyad_day*: one row per dyad and day (columns and measures: see 39_dyad_aggregate.sql),
-- read from the native tables mart_dyad_day* that dyadflow.warehouse.refresh_marts materialises
-- and refreshes incrementally (only the days touched by changed Parquet partitions are recomputed).
-- period_start is the day; NULL for undated events.
-- Counts: n_events = event REPORTS (one per coded mention: a story in 80 articles counts 80);
-- n_distinct_events = distinct REAL-WORLD events (event_clusters) among those reports.
--   dyad_day                      one row per directed actor-code dyad (source -> target) and day
--   dyad_day_undirected           one row per unordered actor-code pair (actor1 <= actor2) and day
--   dyad_day_country              one row per directed country dyad (ISO3) and day
--   dyad_day_country_undirected   one row per unordered country pair and day

create or replace view dyad_day as
select * from mart_dyad_day;

create or replace view dyad_day_undirected as
select * from mart_dyad_day_undirected;

create or replace view dyad_day_country as
select * from mart_dyad_day_country;

create or replace view dyad_day_country_undirected as
select * from mart_dyad_day_country_undirected;

-- dyad_week*: one row per dyad and week (columns and measures: see 39_dyad_aggregate.sql),
-- read from the native tables mart_dyad_week* that dyadflow.warehouse.refresh_marts materialises
-- and refreshes incrementally (only the weeks touched by changed Parquet partitions are recomputed).
-- period_start is the first day of the week (Monday); NULL for undated events.
-- Counts: n_events = event REPORTS (one per coded mention: a story in 80 articles counts 80);
-- n_distinct_events = distinct REAL-WORLD events (event_clusters) among those reports.
--   dyad_week                      one row per directed actor-code dyad (source -> target) and week
--   dyad_week_undirected           one row per unordered actor-code pair (actor1 <= actor2) and week
--   dyad_week_country              one row per directed country dyad (ISO3) and week
--   dyad_week_country_undirected   one row per unordered country pair and week

create or replace view dyad_week as
select * from mart_dyad_week;

create or replace view dyad_week_undirected as
select * from mart_dyad_week_undirected;

create or replace view dyad_week_country as
select * from mart_dyad_week_country;

create or replace view dyad_week_country_undirected as
select * from mart_dyad_week_country_undirected;

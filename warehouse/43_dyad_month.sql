-- dyad_month*: one row per dyad and month (columns and measures: see 39_dyad_aggregate.sql),
-- read from the native tables mart_dyad_month* that dyadflow.warehouse.refresh_marts materialises
-- and refreshes incrementally (only the months touched by changed Parquet partitions are recomputed).
-- period_start is the first day of the month; NULL for undated events.
-- Counts: n_events = event REPORTS (one per coded mention: a story in 80 articles counts 80);
-- n_distinct_events = distinct REAL-WORLD events (event_clusters) among those reports.
--   dyad_month                      one row per directed actor-code dyad (source -> target) and month
--   dyad_month_undirected           one row per unordered actor-code pair (actor1 <= actor2) and month
--   dyad_month_country              one row per directed country dyad (ISO3) and month
--   dyad_month_country_undirected   one row per unordered country pair and month

create or replace view dyad_month as
select * from mart_dyad_month;

create or replace view dyad_month_undirected as
select * from mart_dyad_month_undirected;

create or replace view dyad_month_country as
select * from mart_dyad_month_country;

create or replace view dyad_month_country_undirected as
select * from mart_dyad_month_country_undirected;

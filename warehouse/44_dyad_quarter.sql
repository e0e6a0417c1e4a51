-- dyad_quarter*: one row per dyad and quarter (columns and measures: see 39_dyad_aggregate.sql),
-- read from the native tables mart_dyad_quarter* that dyadflow.warehouse.refresh_marts materialises
-- and refreshes incrementally (only the quarters touched by changed Parquet partitions are recomputed).
-- period_start is the first day of the quarter; NULL for undated events.
-- Counts: n_events = event REPORTS (one per coded mention: a story in 80 articles counts 80);
-- n_distinct_events = distinct REAL-WORLD events (event_clusters) among those reports.
--   dyad_quarter                      one row per directed actor-code dyad (source -> target) and quarter
--   dyad_quarter_undirected           one row per unordered actor-code pair (actor1 <= actor2) and quarter
--   dyad_quarter_country              one row per directed country dyad (ISO3) and quarter
--   dyad_quarter_country_undirected   one row per unordered country pair and quarter

create or replace view dyad_quarter as
select * from mart_dyad_quarter;

create or replace view dyad_quarter_undirected as
select * from mart_dyad_quarter_undirected;

create or replace view dyad_quarter_country as
select * from mart_dyad_quarter_country;

create or replace view dyad_quarter_country_undirected as
select * from mart_dyad_quarter_country_undirected;

-- dyad_month*: the dyad_period('month') macro materialised as four views (columns and measures:
-- see 40_dyad_period.sql). period_start is the first day of the month; NULL for undated events.
--   dyad_month                      one row per directed actor-code dyad (source -> target) and month
--   dyad_month_undirected           one row per unordered actor-code pair (actor1 <= actor2) and month
--   dyad_month_country              one row per directed country dyad (ISO3) and month
--   dyad_month_country_undirected   one row per unordered country pair and month

create or replace view dyad_month as
select * from dyad_period('month');

create or replace view dyad_month_undirected as
select * from dyad_period('month', direction := 'undirected');

create or replace view dyad_month_country as
select * from dyad_period('month', level := 'country');

create or replace view dyad_month_country_undirected as
select * from dyad_period('month', level := 'country', direction := 'undirected');

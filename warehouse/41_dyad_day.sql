-- dyad_day*: the dyad_period('day') macro materialised as four views (columns and measures:
-- see 40_dyad_period.sql). period_start is the first day of the day; NULL for undated events.
--   dyad_day                      one row per directed actor-code dyad (source -> target) and day
--   dyad_day_undirected           one row per unordered actor-code pair (actor1 <= actor2) and day
--   dyad_day_country              one row per directed country dyad (ISO3) and day
--   dyad_day_country_undirected   one row per unordered country pair and day

create or replace view dyad_day as
select * from dyad_period('day');

create or replace view dyad_day_undirected as
select * from dyad_period('day', direction := 'undirected');

create or replace view dyad_day_country as
select * from dyad_period('day', level := 'country');

create or replace view dyad_day_country_undirected as
select * from dyad_period('day', level := 'country', direction := 'undirected');

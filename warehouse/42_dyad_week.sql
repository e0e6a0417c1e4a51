-- dyad_week*: the dyad_period('week') macro materialised as four views (columns and measures:
-- see 40_dyad_period.sql). period_start is the first day of the week (Monday); NULL for undated events.
--   dyad_week                      one row per directed actor-code dyad (source -> target) and week
--   dyad_week_undirected           one row per unordered actor-code pair (actor1 <= actor2) and week
--   dyad_week_country              one row per directed country dyad (ISO3) and week
--   dyad_week_country_undirected   one row per unordered country pair and week

create or replace view dyad_week as
select * from dyad_period('week');

create or replace view dyad_week_undirected as
select * from dyad_period('week', direction := 'undirected');

create or replace view dyad_week_country as
select * from dyad_period('week', level := 'country');

create or replace view dyad_week_country_undirected as
select * from dyad_period('week', level := 'country', direction := 'undirected');

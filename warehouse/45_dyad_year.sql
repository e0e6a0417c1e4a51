-- dyad_year*: the dyad_period('year') macro materialised as four views (columns and measures:
-- see 40_dyad_period.sql). period_start is the first day of the year; NULL for undated events.
--   dyad_year                      one row per directed actor-code dyad (source -> target) and year
--   dyad_year_undirected           one row per unordered actor-code pair (actor1 <= actor2) and year
--   dyad_year_country              one row per directed country dyad (ISO3) and year
--   dyad_year_country_undirected   one row per unordered country pair and year

create or replace view dyad_year as
select * from dyad_period('year');

create or replace view dyad_year_undirected as
select * from dyad_period('year', direction := 'undirected');

create or replace view dyad_year_country as
select * from dyad_period('year', level := 'country');

create or replace view dyad_year_country_undirected as
select * from dyad_period('year', level := 'country', direction := 'undirected');

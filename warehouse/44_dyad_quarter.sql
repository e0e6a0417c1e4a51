-- dyad_quarter*: the dyad_period('quarter') macro materialised as four views (columns and measures:
-- see 40_dyad_period.sql). period_start is the first day of the quarter; NULL for undated events.
--   dyad_quarter                      one row per directed actor-code dyad (source -> target) and quarter
--   dyad_quarter_undirected           one row per unordered actor-code pair (actor1 <= actor2) and quarter
--   dyad_quarter_country              one row per directed country dyad (ISO3) and quarter
--   dyad_quarter_country_undirected   one row per unordered country pair and quarter

create or replace view dyad_quarter as
select * from dyad_period('quarter');

create or replace view dyad_quarter_undirected as
select * from dyad_period('quarter', direction := 'undirected');

create or replace view dyad_quarter_country as
select * from dyad_period('quarter', level := 'country');

create or replace view dyad_quarter_country_undirected as
select * from dyad_period('quarter', level := 'country', direction := 'undirected');

-- dashboard totals: the headline numbers, from the dyad_month view (reports and distinct events)
-- and the articles view.

select
    (select coalesce(sum(n_events), 0) from dyad_month) as n_events,
    (select coalesce(sum(n_distinct_events), 0) from dyad_month) as n_distinct_events,
    (select count(*) from articles) as n_articles,
    (select min(period_start) from dyad_month)::varchar as first_month,
    (select max(period_start) from dyad_month)::varchar as last_month

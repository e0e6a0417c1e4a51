-- event_clusters: one row per corroborated real-world event (cluster_id); the definition, grain
-- and columns are those of cluster_aggregate() in 38_cluster_aggregate.sql. Read from the native
-- table mart_event_clusters, which dyadflow.warehouse.refresh_marts rebuilds incrementally: the
-- day- and month-precision clusters of each changed month, the year-precision clusters of its
-- year, the undated clusters when the undated partition changed.

create or replace view event_clusters as
select * from mart_event_clusters

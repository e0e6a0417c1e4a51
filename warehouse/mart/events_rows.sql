-- mart_events rows read from Parquet: every staged row of the selected partitions (committed or
-- not, repeated event_ids included) with its partition key (_part = 'YYYY-MM', or
-- 'unknown-unknown' for undated events) and file name (_file, content-hashed part-<hash>.parquet).
-- {{ where }} selects partitions through part_year/part_month, so DuckDB reads only their files.
-- _visible is decided afterwards by events_visible.sql.

select
    * exclude (part_year, part_month, part_file),
    part_year || '-' || part_month as _part,
    part_file as _file,
    cast(null as boolean) as _visible

from stg_events
where {{ where }}

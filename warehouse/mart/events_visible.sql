-- Visibility of candidate mart_events rows, exactly as the `events` contract defines it:
--   committed     the row's (doc_id, coder_version, dictionary_version) is the doc's committed
--                 coding in {{ codings }} (rows of codings.sql: coding_key checked there);
--   deduplicated  among the committed rows of one event_id, the latest run_id wins (ties broken
--                 by partition and file name, so the choice is deterministic).
-- {{ rows }} is a relation of candidate rows holding EVERY row of each candidate event_id, so the
-- window sees all copies. Output: the rows with _visible recomputed and _was_visible (the old
-- value, NULL for rows new to the table) to find the partitions whose visible rows changed.

select
    cand.* exclude (_visible),
    coalesce(
        codings.doc_id is not null
        and row_number() over (
            partition by cand.event_id
            order by (codings.doc_id is not null) desc, cand.run_id desc, cand._part, cand._file
        ) = 1,
        false
    ) as _visible,
    cand._visible as _was_visible

from ({{ rows }}) as cand
left join {{ codings }} as codings
    on  cand.doc_id = codings.doc_id
    and cand.coder_version = codings.coder_version
    and cand.dictionary_version = codings.dictionary_version

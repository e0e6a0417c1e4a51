-- rejects: one row per rejected input (reject_id): path, line, stage, reason, detail, hash.

create or replace view rejects as

select * from stg_rejects

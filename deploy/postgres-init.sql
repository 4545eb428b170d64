-- Runs once, when the postgres volume is first created: a database of its own for Prefect's
-- server, beside deskwatch's archive (database "deskwatch").
CREATE DATABASE prefect OWNER deskwatch;

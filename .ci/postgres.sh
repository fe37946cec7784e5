#!/usr/bin/env bash
# Start a local PostgreSQL server (Debian's packaging) and create the test role and database.
set -euo pipefail
command -v pg_lsclusters >/dev/null 2>&1 || exit 1
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
pg_lsclusters -h | grep -q . || pg_createcluster "$version" main >/dev/null
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname = 'spinecoach'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"create role spinecoach login password 'spinecoach'\""
su postgres -c "psql -qAtc \"select 1 from pg_database where datname = 'spinecoach_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O spinecoach spinecoach_test"

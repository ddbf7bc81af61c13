# Shared by the benchmarks that create PostgreSQL databases (scale.sh, workers.sh,
# incremental.sh); sourced, not run.

# database_url URL NAME: URL with its database (path) replaced by NAME, query kept.
database_url() {
    local url="$1" name="$2" query=""
    if [[ "$url" == *\?* ]]; then
        query="?${url#*\?}"
        url="${url%%\?*}"
    fi
    local scheme="${url%%://*}" rest="${url#*://}"
    echo "$scheme://${rest%%/*}/$name$query"
}

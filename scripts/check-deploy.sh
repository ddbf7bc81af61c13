#!/usr/bin/env bash
# Checks the deployment files: Dockerfile, .dockerignore, compose.yaml and
# deploy/storyline.service.
#
#   scripts/check-deploy.sh [target/release/storyline]
#
# Always, without Docker: compose.yaml parses (python3 with PyYAML) and hangs together (every
# service has an image or a build whose Dockerfile exists, pinned image tags, depends_on and
# healthchecks, bind-mount sources, declared volumes, paths given to storyline exist, known
# STORYLINE_* variables); every COPY source of the Dockerfile exists and none of its files, nor
# any file the crates include_str!, is left out of the context by .dockerignore; the builder's
# Rust image is not older than the workspace needs (its rust-version, edition, and the locked
# dependencies' rust-version when `cargo metadata --offline` can read them). With a built
# binary as $1: every subcommand and flag that compose.yaml and the Dockerfile pass to
# storyline exists in its --help.
#
# When `docker info` answers, it then builds the image, starts compose.yaml under its own
# project name, waits for the server's /healthz, subscribes the starter feeds, checks that two
# workers are up, and removes everything again (`down -v`). Exits 1 with one line per problem.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-}"
if [[ -n "$binary" && ! -x "$binary" ]]; then
    echo "check-deploy: $binary is not an executable storyline binary" >&2
    exit 1
fi

python3 - "$binary" <<'PY'
import glob
import json
import os
import re
import shlex
import subprocess
import sys

binary = sys.argv[1]
problems = []


def problem(message):
    problems.append(message)


try:
    import yaml
except ImportError:
    print("check-deploy: python3 has no PyYAML (python3 -m pip install pyyaml)")
    sys.exit(1)


# ---------------------------------------------------------------- .dockerignore
def ignore_rules():
    """(regex, excluded) per line, as moby's patternmatcher reads .dockerignore."""
    rules = []
    if not os.path.exists(".dockerignore"):
        return rules
    for line in open(".dockerignore", encoding="utf-8"):
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        excluded = not pattern.startswith("!")
        pattern = pattern.lstrip("!").strip()
        pattern = os.path.normpath(pattern).lstrip("/")
        regex, i = "^", 0
        while i < len(pattern):
            c = pattern[i]
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):
                    i += 1
                regex += ".*" if i >= len(pattern) else "(.*/)?"
                continue
            if c == "*":
                regex += "[^/]*"
            elif c == "?":
                regex += "[^/]"
            elif c == "\\" and i + 1 < len(pattern):
                i += 1
                regex += re.escape(pattern[i])
            else:
                regex += re.escape(c)
            i += 1
        rules.append((re.compile(regex + "$"), excluded))
    return rules


RULES = ignore_rules()


def ignored(path):
    """Whether the build context leaves `path` out: the last rule matching it or a parent."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for regex, excluded in RULES:
        if any(regex.match(c) for c in candidates):
            verdict = excluded
    return verdict


def repo_files(root):
    """Files under `root` that a clean clone has (git's view when there is one)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--", root],
            capture_output=True, check=True, text=True,
        ).stdout
        files = [f for f in out.split("\0") if f]
        if files:
            return files
    except (OSError, subprocess.CalledProcessError):
        pass
    if os.path.isfile(root):
        return [root]
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("target", ".git")]
        found += [os.path.join(dirpath, f) for f in filenames]
    return found


# ---------------------------------------------------------------- Dockerfile
def dockerfile_instructions(path):
    instructions, pending = [], ""
    for line in open(path, encoding="utf-8"):
        text = line.strip()
        if text.startswith("#") or (not text and not pending):
            continue
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        pending += text
        keyword, _, rest = pending.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
        pending = ""
    return instructions


def substitute(text, variables):
    def value(m):
        name = m.group(1) or m.group(2)
        return variables.get(name, "")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def exec_form(rest, what):
    try:
        argv = json.loads(rest)
        if isinstance(argv, list) and all(isinstance(a, str) for a in argv):
            return argv
    except ValueError:
        pass
    problem(f"Dockerfile: {what} is not in exec form [\"...\"] (signals would go to a shell)")
    return shlex.split(rest)


stages = []  # {"image", "name", "copies": [(sources, dest)], "runs": [...]}
global_args = {}
entrypoint, cmd = [], []
if not os.path.isfile("Dockerfile"):
    problem("Dockerfile: missing")
    instructions = []
else:
    instructions = dockerfile_instructions("Dockerfile")
for keyword, rest in instructions:
    if keyword == "ARG" and not stages:
        name, _, default = rest.partition("=")
        global_args[name.strip()] = default.strip().strip('"')
    elif keyword == "FROM":
        words = substitute(rest, global_args).split()
        words = [w for w in words if not w.startswith("--")]
        stages.append({
            "image": words[0],
            "name": words[2] if len(words) > 2 and words[1].lower() == "as" else None,
            "copies": [],
            "runs": [],
        })
    elif not stages:
        continue
    elif keyword in ("COPY", "ADD"):
        args = rest.split()
        if any(a.startswith("--from") for a in args):
            continue
        args = [a for a in args if not a.startswith("--")]
        if args and args[0].startswith("["):
            args = json.loads(" ".join(args))
        stages[-1]["copies"].append((args[:-1], args[-1]))
    elif keyword == "RUN":
        stages[-1]["runs"].append(rest)
    elif keyword == "ENTRYPOINT":
        entrypoint = exec_form(rest, "ENTRYPOINT")
    elif keyword == "CMD":
        cmd = exec_form(rest, "CMD")

builder = next((s for s in stages if any("cargo build" in r for r in s["runs"])), None)
runtime = stages[-1] if stages else None
if stages and builder is None:
    problem("Dockerfile: no stage runs `cargo build`")
if builder is not None:
    build_run = next(r for r in builder["runs"] if "cargo build" in r)
    if "--locked" not in build_run:
        problem("Dockerfile: `cargo build` without --locked (the image would not build what Cargo.lock says)")

# Every COPY source exists and is wholly in the build context.
for stage in stages:
    for sources, _dest in stage["copies"]:
        for source in sources:
            source = os.path.normpath(source)
            if not os.path.exists(source):
                problem(f"Dockerfile: COPY {source}: no such file or folder")
                continue
            left_out = [f for f in repo_files(source) if ignored(f)]
            if ignored(source) and not left_out:
                left_out = [source]
            if left_out:
                problem(f"Dockerfile: COPY {source}: {len(left_out)} file(s) excluded by .dockerignore (e.g. {left_out[0]})")

# What the build reads must be among the builder's COPY sources.
if builder is not None:
    copied = [os.path.normpath(s) for sources, _ in builder["copies"] for s in sources]

    def in_builder(path):
        path = os.path.normpath(path)
        return any(path == c or path.startswith(c + "/") or c == "." for c in copied)

    needed = ["Cargo.toml", "Cargo.lock"]
    manifest = open("Cargo.toml", encoding="utf-8").read()
    members = re.search(r"^members\s*=\s*\[([^\]]*)\]", manifest, re.M)
    for member in re.findall(r'"([^"]+)"', members.group(1) if members else ""):
        needed += [os.path.join(m, "Cargo.toml") for m in glob.glob(member) if os.path.isdir(m)]
    include = re.compile(r'include_(?:str|bytes)!\(\s*"([^"]+)"\s*\)')
    for rs in glob.glob("crates/*/src/**/*.rs", recursive=True):
        for target in include.findall(open(rs, encoding="utf-8").read()):
            needed.append(os.path.relpath(os.path.normpath(os.path.join(os.path.dirname(rs), target))))
    for path in needed:
        if not in_builder(path):
            problem(f"Dockerfile: the build needs {path} but the builder stage does not COPY it")

# The builder's Rust image is new enough.
def version(text):
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return tuple(int(x or 0) for x in m.groups()) if m else None


def show(v):
    return ".".join(map(str, v))


if builder is not None:
    image = builder["image"]
    name, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "")
    have = version(tag)
    if not name.split("/")[-1] == "rust":
        problem(f"Dockerfile: the builder image {image} is not the official rust image")
    elif have is None:
        problem(f"Dockerfile: the builder image {image} names no Rust version (use rust:X.Y-...)")
    else:
        needs = []  # (version, why)
        editions = {"2024": (1, 85, 0), "2021": (1, 56, 0), "2018": (1, 31, 0)}
        manifests = ["Cargo.toml"] + glob.glob("crates/*/Cargo.toml")
        for path in manifests:
            text = open(path, encoding="utf-8").read()
            for v in re.findall(r'^rust-version\s*=\s*"([\d.]+)"', text, re.M):
                needs.append((version(v), f"rust-version in {path}"))
            for e in re.findall(r'^edition\s*=\s*"(\d+)"', text, re.M):
                if e in editions:
                    needs.append((editions[e], f"edition {e} in {path}"))
        try:
            meta = subprocess.run(
                ["cargo", "metadata", "--format-version", "1", "--locked", "--offline"],
                capture_output=True, text=True, timeout=120,
            )
            packages = json.loads(meta.stdout)["packages"] if meta.returncode == 0 else None
        except (OSError, ValueError, subprocess.TimeoutExpired):
            packages = None
        if packages is None:
            print("check-deploy: note: dependencies' rust-version not checked (cargo metadata --offline could not read them)")
        else:
            for p in packages:
                if p.get("rust_version"):
                    needs.append((version(p["rust_version"]), f"{p['name']} {p['version']}"))
        if needs:
            need, why = max(needs, key=lambda n: n[0])
            if have < need:
                problem(f"Dockerfile: builder image {image} has Rust {show(have)}, older than {show(need)} ({why})")

# ---------------------------------------------------------------- compose.yaml
compose = None
if not os.path.isfile("compose.yaml"):
    problem("compose.yaml: missing")
else:
    try:
        compose = yaml.safe_load(open("compose.yaml", encoding="utf-8"))
    except yaml.YAMLError as err:
        problem("compose.yaml: not valid YAML: " + " ".join(str(err).split()))

known_vars = set()
for path in ["storyline.example.toml"] + glob.glob("crates/storyline/src/**/*.rs", recursive=True):
    known_vars |= set(re.findall(r"STORYLINE_[A-Z0-9_]+", open(path, encoding="utf-8").read()))


def check_vars(where, names):
    for name in names:
        if name.startswith("STORYLINE_") and name not in known_vars:
            problem(f"{where}: {name} is not a variable storyline reads (storyline.example.toml)")


for keyword, rest in instructions:
    if keyword == "ENV":
        check_vars("Dockerfile ENV", re.findall(r"(STORYLINE_\w+)=", rest))

commands = []  # (where, argv after the entrypoint)
if cmd:
    if entrypoint[:1] == ["storyline"]:
        commands.append(("Dockerfile CMD", entrypoint[1:] + cmd))
    elif entrypoint:
        problem(f"Dockerfile: ENTRYPOINT {entrypoint} is not [\"storyline\"]")

if compose is not None:
    services = compose.get("services") if isinstance(compose, dict) else None
    if not isinstance(services, dict) or not services:
        problem("compose.yaml: no services")
        services = {}
    volumes = compose.get("volumes") or {}
    built_images = {s.get("image") for s in services.values() if isinstance(s, dict) and s.get("build")}
    for name, service in services.items():
        where = f"compose.yaml {name}"
        if not isinstance(service, dict):
            problem(f"{where}: not a mapping")
            continue
        build, image = service.get("build"), service.get("image")
        ours = False
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            path = os.path.normpath(os.path.join(context, dockerfile))
            if not os.path.isdir(context):
                problem(f"{where}: build context {context} does not exist")
            elif not os.path.isfile(path):
                problem(f"{where}: build needs {path}, which does not exist")
            ours = path == "Dockerfile"
        elif image is None:
            problem(f"{where}: neither image nor build")
        else:
            ours = image in built_images
            base = image.split("@")[0]
            tag = base.rpartition(":")[2] if ":" in base.split("/")[-1] else ""
            if not ours and tag in ("", "latest"):
                problem(f"{where}: image {image} has no version tag")
        # Dependencies.
        depends = service.get("depends_on") or {}
        for dep in depends:
            if dep not in services:
                problem(f"{where}: depends_on {dep}, which is not a service")
            elif isinstance(depends, dict) and (depends[dep] or {}).get("condition") == "service_healthy" \
                    and not (services[dep] or {}).get("healthcheck"):
                problem(f"{where}: waits for {dep} to be healthy, but {dep} has no healthcheck")
        # Volumes: bind sources exist, named volumes are declared.
        mounts = {}
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                source, target = volume.get("source"), volume.get("target")
            else:
                source, _, rest = volume.partition(":")
                target = rest.split(":")[0]
            if not source:
                continue
            if source.startswith((".", "/", "~")):
                if not os.path.exists(os.path.expanduser(source)):
                    problem(f"{where}: bind mount source {source} does not exist")
                mounts[target] = source
            elif source not in volumes:
                problem(f"{where}: volume {source} is not declared under volumes:")
        # Environment.
        environment = service.get("environment") or {}
        names = environment.keys() if isinstance(environment, dict) else [e.split("=")[0] for e in environment]
        check_vars(where, names)
        if not ours:
            continue
        # The storyline command line.
        command = service.get("command", cmd)
        argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        if "entrypoint" in service:
            problem(f"{where}: overrides the entrypoint; the checks expect [\"storyline\"]")
        commands.append((where, argv))
        # Paths handed to storyline: in a bind mount, or copied into the image.
        copies = [(s, d) for src, d in (runtime["copies"] if runtime else []) for s in src]
        for arg in argv:
            if not arg.startswith("/"):
                continue
            host = None
            for target, source in mounts.items():
                if arg == target or arg.startswith(target.rstrip("/") + "/"):
                    host = os.path.join(source, os.path.relpath(arg, target))
            for source, dest in copies:
                if arg == dest or arg.startswith(dest.rstrip("/") + "/"):
                    host = os.path.join(source, os.path.relpath(arg, dest))
            if host is not None and not os.path.exists(host):
                problem(f"{where}: {arg} is {os.path.normpath(host)} here, which does not exist")
        # The port it listens on is the one published.
        if "--addr" in argv[:-1] and service.get("ports"):
            port = argv[argv.index("--addr") + 1].rpartition(":")[2]
            published = [str(p).rpartition(":")[2].split("/")[0] if not isinstance(p, dict)
                         else str(p.get("target")) for p in service["ports"]]
            if port not in published:
                problem(f"{where}: listens on port {port} but publishes container port(s) {', '.join(published)}")

# ---------------------------------------------------------------- flags, from --help
HELP = {}


def help_of(path):
    """(subcommands, {flag: takes_value}) from `storyline PATH... --help`."""
    key = tuple(path)
    if key not in HELP:
        out = subprocess.run([binary, *path, "--help"], capture_output=True, text=True,
                             env={**os.environ, "COLUMNS": "200"})
        subcommands, flags, section = set(), {}, None
        for line in out.stdout.splitlines():
            header = re.match(r"^(\w[\w ]*):\s*$", line)
            if header:
                section = header.group(1)
                continue
            indent = len(line) - len(line.lstrip())
            if not line.strip() or indent > 8:
                continue
            spec = re.split(r"\s{2,}", line.strip())[0]
            if section == "Commands" and indent == 2:
                subcommands.add(spec.split()[0])
            elif section == "Options" and spec.startswith("-"):
                takes_value = "<" in spec
                for part in spec.split(", "):
                    flag = re.match(r"(--?[\w-]+)", part)
                    if flag:
                        flags[flag.group(1)] = takes_value
        HELP[key] = (subcommands, flags) if out.returncode == 0 else None
    return HELP[key]


if binary:
    for where, argv in commands:
        path, i = [], 0
        if help_of(path) is None:
            problem(f"{binary} --help failed")
            break
        while i < len(argv):
            arg = argv[i]
            subcommands, flags = help_of(path)
            shown = " ".join(["storyline", *path])
            if arg.startswith("-"):
                name = arg.split("=")[0]
                if name not in flags:
                    problem(f"{where}: `{shown}` has no {name} flag ({shown} --help)")
                elif flags[name] and "=" not in arg:
                    i += 1
            elif arg in subcommands:
                path.append(arg)
                if help_of(path) is None:
                    problem(f"{where}: `{shown} {arg} --help` failed")
                    break
            elif subcommands:
                problem(f"{where}: `{shown}` has no subcommand {arg}")
                break
            i += 1

for line in problems:
    print("check-deploy: " + line)
if problems:
    sys.exit(1)
flags = "and storyline's flags" if binary else "(flags not checked: pass a built storyline binary)"
print(f"check-deploy: Dockerfile, .dockerignore and compose.yaml consistent {flags}")
PY

# The systemd unit: systemd-analyze verify, where systemd is installed, on a copy whose
# ExecStart names the built binary (the unit's own path is where an install puts it).
if command -v systemd-analyze > /dev/null 2>&1; then
    unit_dir="$(mktemp -d)"
    binary_path="$(realpath "${binary:-/usr/local/bin/storyline}" 2>/dev/null || echo /usr/local/bin/storyline)"
    sed "s|/usr/local/bin/storyline|$binary_path|" deploy/storyline.service > "$unit_dir/storyline.service"
    if ! verified="$(systemd-analyze verify "$unit_dir/storyline.service" 2>&1)"; then
        rm -rf "$unit_dir"
        echo "check-deploy: deploy/storyline.service: $verified"
        exit 1
    fi
    rm -rf "$unit_dir"
    echo "check-deploy: deploy/storyline.service verified (systemd-analyze verify)"
else
    echo "check-deploy: no systemd-analyze: deploy/storyline.service not verified"
fi

if ! docker info > /dev/null 2>&1; then
    echo "check-deploy: no Docker engine (docker info failed): static checks only; the image was not built and compose.yaml was not started"
    exit 0
fi
if ! docker compose version > /dev/null 2>&1; then
    echo "check-deploy: the Docker engine answers but the compose plugin is missing (docker compose version)"
    exit 1
fi

# Live: build, start, probe, remove. Its own project name and host port, so a deployment
# running from this folder is left alone.
project=storyline-check
port="${CHECK_DEPLOY_PORT:-18080}"
dc() { STORYLINE_PORT="$port" docker compose -p "$project" "$@"; }
cleanup() { dc down -v --remove-orphans > /dev/null 2>&1 || true; }
trap cleanup EXIT

dc config --quiet
docker build --quiet -t storyline:local . > /dev/null
dc up -d --wait --wait-timeout 120 2>&1 | tail -n 5
healthy=""
for _ in $(seq 1 60); do
    if curl -fsS "http://127.0.0.1:$port/healthz" 2> /dev/null | grep -q '"ok"'; then
        healthy=yes
        break
    fi
    sleep 1
done
if [[ -z "$healthy" ]]; then
    dc logs --tail 20 server
    echo "check-deploy: the server did not answer /healthz on 127.0.0.1:$port within 60 s"
    exit 1
fi
dc run --rm feeds > /dev/null
dc run --rm --no-deps server feeds list | tail -n 3
workers=$(dc ps --status running --quiet worker | wc -l)
if [[ "$workers" -ne 2 ]]; then
    dc logs --tail 20 worker
    echo "check-deploy: $workers workers running, expected 2"
    exit 1
fi
echo "check-deploy: image built; postgres, 2 workers and the server ran; /healthz answered; starter feeds imported"

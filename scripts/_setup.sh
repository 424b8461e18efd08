# shellcheck shell=bash
# Setting up the development environment: sourced by scripts/test and scripts/demo (not run).
# Needs ROOT (the repository root) set by the caller, and runs with ROOT as the working directory.

CORE_CURRENT='ansible-core>=2.19,<2.20'   # controller Python 3.11: the dev venv
VENV="$ROOT/.venv"
VENV_PACKAGING="$ROOT/.venv-packaging"
BUILD="$ROOT/.build"
COLLECTIONS="$BUILD/collections"

# --- finding interpreters ----------------------------------------------------------------------
# find_python X.Y: print a working interpreter of that version (PATH first, then pyenv installs).
find_python() {
    local version="$1" candidate pyenv_root=""
    command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root 2>/dev/null)"
    for candidate in \
        "$(command -v "python$version" 2>/dev/null)" \
        ${pyenv_root:+"$pyenv_root"/versions/"$version"*/bin/python"$version"} \
        "${PYENV_ROOT:-/root/.pyenv}"/versions/"$version"*/bin/python"$version" \
        /root/.pyenv/versions/"$version"*/bin/python"$version" \
        /usr/local/bin/python"$version" /usr/bin/python"$version"; do
        { [ -n "$candidate" ] && [ -x "$candidate" ]; } || continue
        # a pyenv shim exists even when its version is not selected: ask the interpreter itself
        # and print its real path, not the shim's
        if "$candidate" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$version'.split('.'))))" 2>/dev/null; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

# --- virtual environments ----------------------------------------------------------------------
# ensure_venv DIR PYTHON REQUIREMENT-ARGS...: create DIR and install the requirements, unless its
# stamp already records this interpreter version and these requirements.
ensure_venv() {
    local dir="$1" python="$2" stamp hash
    shift 2
    hash="$( { "$python" -c 'import sys; print(sys.version)'; printf '%s\n' "$@";
               local arg; for arg in "$@"; do [ -f "$arg" ] && cat "$arg"; done; } \
             | sha256sum | cut -c1-16)"
    stamp="$dir/.actiongate-stamp-$hash"
    if [ -z "${TEST_FORCE_INSTALL:-}" ] && [ -f "$stamp" ] && "$dir/bin/python" -c '' 2>/dev/null; then
        echo "$dir is up to date ($(basename "$stamp"))"
        return 0
    fi
    if ! "$dir/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, sys.argv[1].split("."))))' \
            "$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" 2>/dev/null; then
        echo "creating $dir with $python"
        rm -rf "$dir"
        "$python" -m venv "$dir" || return 1
    fi
    rm -f "$dir"/.actiongate-stamp-*
    local pip_args=() arg
    for arg in "$@"; do
        if [ -f "$arg" ]; then pip_args+=(-r "$arg"); else pip_args+=("$arg"); fi
    done
    "$dir/bin/python" -m pip install --disable-pip-version-check --quiet "${pip_args[@]}" || return 1
    touch "$stamp"
}

setup_dev_venv() {
    local python
    python="$(find_python 3.11)" || { echo "Python 3.11 not found (PATH, pyenv)"; return 1; }
    ensure_venv "$VENV" "$python" "$CORE_CURRENT" tests/requirements.txt requirements.txt
}

# galaxy-importer pins ansible-lint (<= a release) and attrs (< 24) that would hold the dev venv
# back, so it gets a venv of its own, with ansible-builder (which it uses) and the same core.
setup_packaging_venv() {
    local python
    python="$(find_python 3.11)" || { echo "Python 3.11 not found (PATH, pyenv)"; return 1; }
    ensure_venv "$VENV_PACKAGING" "$python" "$CORE_CURRENT" tests/requirements-packaging.txt
}

# --- collection layouts ------------------------------------------------------------------------
# A symlink for pytest and ansible-playbook: the import path and ANSIBLE_COLLECTIONS_PATH.
setup_collection_link() {
    mkdir -p "$COLLECTIONS/ansible_collections/actiongate" || return 1
    ln -sfn "$ROOT" "$COLLECTIONS/ansible_collections/actiongate/agents"
}


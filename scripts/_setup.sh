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
# Every venv installs the versions of the last green run: tests/constraints/<venv name>.txt (pip
# constraints, `pip freeze` of that venv) is applied when it exists. Bump them on purpose, in a
# commit of their own: `scripts/test constraints` rewrites them from the venvs as they are now.
CONSTRAINTS_DIR="$ROOT/tests/constraints"

constraints_for() {
    local file
    file="$CONSTRAINTS_DIR/$(basename "$1" | sed 's/^\.//').txt"
    [ -f "$file" ] && printf '%s\n' "$file"
    return 0
}

# ensure_venv DIR PYTHON REQUIREMENT-ARGS...: create DIR and install the requirements (under its
# constraints file), unless its stamp already records this interpreter, these requirements and
# these constraints.
ensure_venv() {
    local dir="$1" python="$2" stamp hash constraints
    shift 2
    constraints="$(constraints_for "$dir")"
    hash="$( { "$python" -c 'import sys; print(sys.version)'; printf '%s\n' "$@";
               local arg; for arg in "$@" $constraints; do [ -f "$arg" ] && cat "$arg"; done; } \
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
    [ -n "$constraints" ] && pip_args+=(-c "$constraints") && echo "$dir: versions from ${constraints#"$ROOT"/}"
    "$dir/bin/python" -m pip install --disable-pip-version-check --quiet "${pip_args[@]}" || return 1
    touch "$stamp"
}

setup_dev_venv() {
    local python
    python="$(find_python 3.11)" || { echo "Python 3.11 not found (PATH, pyenv)"; return 1; }
    ensure_venv "$VENV" "$python" "$CORE_CURRENT" tests/requirements.txt requirements.txt
}

# write_constraints DIR: tests/constraints/<venv name>.txt from what DIR has installed now.
write_constraints() {
    local dir="$1" file
    file="$CONSTRAINTS_DIR/$(basename "$dir" | sed 's/^\.//').txt"
    [ -x "$dir/bin/python" ] || { echo "no venv at $dir"; return 1; }
    mkdir -p "$CONSTRAINTS_DIR" || return 1
    { echo "# pip constraints for $(basename "$dir"): the versions of the last green run ($("$dir/bin/python" -V))."
      echo "# Rewritten on purpose by 'scripts/test constraints'; applied by scripts/_setup.sh ensure_venv."
      "$dir/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check | grep -v '^-e ' | LC_ALL=C sort -f
    } > "$file.tmp" && mv "$file.tmp" "$file" && echo "wrote ${file#"$ROOT"/}"
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


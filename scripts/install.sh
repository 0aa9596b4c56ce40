#!/usr/bin/env bash
# Installs Steward as one self-contained binary (its playbooks, templates and CI workflow are compiled in):
#   PREFIX/bin/steward                                   release build, Swift standard library linked statically
#   PREFIX/share/man/man1/steward.1                      man page (argument-parser's generate-manual)
#   PREFIX/share/bash-completion/completions/steward     shell completions (argument-parser)
#   PREFIX/share/zsh/site-functions/_steward
#   PREFIX/share/fish/vendor_completions.d/steward.fish
#
#   ./scripts/install.sh [PREFIX]        PREFIX defaults to /usr/local
#   ./scripts/install.sh --build-only    builds what an install copies, installs nothing (CI warms it up)
#
# The build has its own folder, .build-install/ (STEWARD_INSTALL_BUILD_PATH): a static build cannot share objects
# with the debug build of .build/. A first build takes about 8 minutes on 2 cores; later ones only what changed.
# It needs Swift 6 on PATH and the -dev packages (scripts/install-deps.sh installs them). What the installed binary
# needs at run time is only Debian packages: libgit2, libcurl, libsqlite3, libpq (and ansible-core, openssh-client
# to deploy); see the README's "Installing".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_only=false
prefix=/usr/local
case "${1:-}" in
  --build-only) build_only=true ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  "") ;;
  -*) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  *) prefix=$1 ;;
esac
scratch=${STEWARD_INSTALL_BUILD_PATH:-$root/.build-install}

command -v swift >/dev/null || { echo "install.sh: swift is not on PATH (Swift 6: https://www.swift.org/install/linux/)" >&2; exit 1; }
missing=()
for pair in libgit2:libgit2-dev libcurl:libcurl4-openssl-dev sqlite3:libsqlite3-dev libpq:libpq-dev; do
  pkg-config --exists "${pair%%:*}" 2>/dev/null || missing+=("${pair#*:}")
done
command -v pkg-config >/dev/null || missing=(pkg-config "${missing[@]}")
if [ ${#missing[@]} -gt 0 ]; then
  echo "install.sh: missing build packages: ${missing[*]} (sudo apt-get install ${missing[*]}, or ./scripts/install-deps.sh)" >&2
  exit 1
fi

flags=(-c release --static-swift-stdlib --scratch-path "$scratch")
echo "==> building steward (release, static Swift standard library) in $scratch"
(cd "$root" && swift build "${flags[@]}" --product steward)
(cd "$root" && swift build "${flags[@]}" --product generate-manual)
bin=$(cd "$root" && swift build "${flags[@]}" --show-bin-path)
if $build_only; then
  echo "==> built $bin/steward ($("$bin/steward" version | head -n 1))"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/generate-manual" "$bin/steward" --output-directory "$work" >/dev/null
for shell in bash zsh fish; do "$bin/steward" completion "$shell" > "$work/completion.$shell"; done

echo "==> installing into $prefix"
install -d "$prefix/bin"
# Copied beside, then renamed: a running steward keeps its old file, and a failed copy leaves the old one in place.
install -m 0755 "$bin/steward" "$prefix/bin/.steward.new.$$"
# Debug info off (160 MB -> 109 MB); the symbols stay, so a crash's backtrace still names functions.
if command -v strip >/dev/null; then strip --strip-debug "$prefix/bin/.steward.new.$$"; fi
mv -f "$prefix/bin/.steward.new.$$" "$prefix/bin/steward"
install -D -m 0644 "$work/steward.1" "$prefix/share/man/man1/steward.1"
install -D -m 0644 "$work/completion.bash" "$prefix/share/bash-completion/completions/steward"
install -D -m 0644 "$work/completion.zsh" "$prefix/share/zsh/site-functions/_steward"
install -D -m 0644 "$work/completion.fish" "$prefix/share/fish/vendor_completions.d/steward.fish"
echo "==> installed $("$prefix/bin/steward" version | head -n 1):"
for f in bin/steward share/man/man1/steward.1 share/bash-completion/completions/steward \
  share/zsh/site-functions/_steward share/fish/vendor_completions.d/steward.fish; do
  echo "  $prefix/$f"
done
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "  ($prefix/bin is not on PATH: export PATH=\"$prefix/bin:\$PATH\")" ;; esac

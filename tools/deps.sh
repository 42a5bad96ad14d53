#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for building and booting
# sel4-substrate: QEMU, libclang (bindgen), python3-venv, binutils, newlib's
# source, OCaml (compiler, findlib, the runtime's source, libraries), Dafny
# (with z3 and mono) and node/npm for the Dafny oracle. Quiet and
# quick when everything is already there.
set -euo pipefail

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/llvm-*/lib/libclang.so >/dev/null 2>&1 || need+=(libclang-14-dev)
command -v objcopy >/dev/null || need+=(binutils)
command -v cpp >/dev/null || need+=(cpp)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# C guests: newlib's source, built by c-newlib/ into the cache.
ls /usr/src/newlib/newlib-*.tar.* >/dev/null 2>&1 || need+=(newlib-source)
# OCaml guests: Debian's compiler and findlib, the runtime's source (built
# by ocaml-mirage/ into the cache) and the libraries the examples link.
command -v ocamlopt >/dev/null || need+=(ocaml-nox)
ls /usr/src/ocaml-source-*.tar >/dev/null 2>&1 || need+=(ocaml-source)
command -v ocamlfind >/dev/null || need+=(ocaml-findlib)
for lib in lwt:liblwt-ocaml-dev fmt:libfmt-ocaml-dev logs:liblogs-ocaml-dev \
           mtime:libmtime-ocaml-dev ptime:libptime-ocaml-dev duration:libduration-ocaml-dev \
           cstruct:libcstruct-ocaml-dev cohttp-lwt:libcohttp-lwt-ocaml-dev; do
    [ -e "/usr/lib/ocaml/${lib%%:*}/META" ] || need+=("${lib#*:}")
done
# make bench counts OCaml's instructions on Linux with valgrind.
command -v valgrind >/dev/null || need+=(valgrind)
# The HTTP servers' load generator (make bench: bench/net/run.py).
command -v wrk >/dev/null || need+=(wrk)
# Dafny guests: dafny-backend/tests/oracle.py runs Debian's Dafny 2.3 (which
# depends on z3, mono-runtime and mono-mcs for its C# backend) and node for
# its JavaScript backend; npm installs the bignumber.js that one needs.
command -v dafny >/dev/null || need+=(dafny)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v make >/dev/null || need+=(make)
command -v xz >/dev/null || need+=(xz-utils)

if [ ${#need[@]} -gt 0 ]; then
    echo "deps: installing ${need[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

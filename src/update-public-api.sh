#!/usr/bin/env bash
# Rewrites PublicAPI.Unshipped.txt of the libraries whose public API is tracked (src/Directory.Build.targets) from
# what the code declares: each file is emptied, the projects are built with warnings left as warnings, and every
# RS0016 ("not part of the declared public API") becomes a line. Shipped files are left alone: what was released
# stays listed there. Run it after a deliberate change to the public API and review the diff of the .txt files.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=(CredBroker.Tokens CredBroker.Verifier CredBroker.Verifier.AspNetCore CredBroker.Client)
for p in "${projects[@]}"; do
    printf '#nullable enable\n' > "src/$p/PublicAPI.Unshipped.txt"
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for p in "${projects[@]}"; do
    dotnet build "src/$p/$p.csproj" -c Release --no-incremental -v:n -p:TreatWarningsAsErrors=false >"$log" 2>&1 || { cat "$log"; exit 1; }
    # "...: warning RS0016: Symbol '<line>' is not part of the declared public API (...) [/.../<p>.csproj]"
    grep -F "warning RS0016" "$log" | grep -F "/$p.csproj]" \
        | sed -E "s/^.*warning RS0016: Symbol '(.*)' is not part of the declared public API.*$/\1/" \
        | LC_ALL=C sort -u >>"src/$p/PublicAPI.Unshipped.txt"
    echo "$p: $(($(wc -l <"src/$p/PublicAPI.Unshipped.txt") - 1)) lines"
done

#!/usr/bin/env bash
# A .bash file runs under bash (arrays, [[ ]]); exit-code protocol.
set -euo pipefail
sleep 1.0
fruits=(apple banana cherry)
[[ ${#fruits[@]} -eq 3 ]]
[[ ${fruits[1]} == banana ]]
declare -A colour=([apple]=red [banana]=yellow)
[[ ${colour[banana]} == yellow ]]
joined=$(IFS=,; echo "${fruits[*]}")
[[ $joined == apple,banana,cherry ]]

#!/bin/sh
# "Randomly" flaky with a fixed seed: attempt k fails when the k-th value
# of a linear congruential generator seeded with FLAKY_SEED (default 11) is
# below 50 mod 100. With seed 11: fail, fail, pass -> FLAKY 3/3. Change the
# seed to see other sequences (7: fail on every attempt).
seed=${FLAKY_SEED:-11}
attempt=${PTEST_ATTEMPT:-1}
x=$seed
i=0
while [ "$i" -lt "$attempt" ]; do
    x=$(( (x * 1103515245 + 12345) % 2147483648 ))
    i=$((i + 1))
done
roll=$((x % 100))
echo "seed $seed, attempt $attempt: rolled $roll"
[ "$roll" -ge 50 ]

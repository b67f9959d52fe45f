#!/bin/sh
# Regenerate the spoken sample WAVs used by the Deepgram emulator, its tests and benchmark.
#
# Why synthetic speech: the samples must be redistributable, tiny, and regenerable offline.
# espeak-ng's "edward" variant at 150 wpm is the voice PocketSphinx's bundled en-us model
# recognises best (other variants scored 5-65% word overlap; this one ~95%).
# Each sample is two phrases separated by a 700 ms SSML break, so streaming tests see an
# endpoint mid-file. Output: 16 kHz, mono, signed 16-bit WAV, peak-normalised to -3 dBFS
# with 300 ms of silence padded at both ends; the .txt beside each WAV holds the words spoken.
#
# Requires: espeak-ng, sox.   Usage: sh resources/samples/make_samples.sh
set -eu

cd "$(dirname "$0")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

make_sample() {
    name="$1"
    first="$2"
    second="$3"
    espeak-ng -m -v en-us+edward -s 150 -w "$tmp/$name.wav" \
        "<speak>$first <break time=\"700ms\"/> $second</speak>"
    sox -D "$tmp/$name.wav" -r 16000 -c 1 -b 16 "$name.wav" gain -n -3 pad 0.3 0.3
    printf '%s %s\n' "$first" "$second" > "$name.txt"
}

make_sample weather "tomorrow will be sunny and warm" "it is going to rain all day on sunday"
make_sample callback "we received your message and will call you back" \
    "please call me back at nine o'clock tomorrow morning"
make_sample numbers "one two three four five" "six seven eight nine ten"
make_sample server "please send the data to the server" "call me back in ten minutes"

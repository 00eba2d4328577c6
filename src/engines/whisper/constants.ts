/** Whisper hears 16 kHz mono. */
export const WHISPER_SAMPLE_RATE = 16_000;
/** Whisper's window: audio is transcribed 30 s at a time, and a cancelled job stops between windows. */
export const WINDOW_SECONDS = 30;
/**
 * Longest audio accepted, checked from the file's header before anything is decoded: 30 min
 * is 110 MiB of 16 kHz float samples in the runner, and about 30 windows of work.
 */
export const MAX_AUDIO_SECONDS = 30 * 60;
/** Sample rates outside this are not speech recordings (8 kHz telephone to 384 kHz studio). */
export const MIN_SAMPLE_RATE = 4_000;
export const MAX_SAMPLE_RATE = 384_000;
/** Most channels a WAV may have (7.1 is 8); each is averaged into the mono signal. */
export const MAX_CHANNELS = 8;
/** The formats the engine decodes, as error messages name them. */
export const SUPPORTED_FORMATS = "WAV (PCM 8/16/24/32-bit or float), MP3, FLAC and Ogg Vorbis";

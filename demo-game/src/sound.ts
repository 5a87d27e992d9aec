/**
 * Gem Rush's sounds, synthesized with WebAudio: nothing is fetched. No AudioContext exists before
 * the player's first click, tap or key (browsers would refuse to start one, and a page should not
 * make noise unasked); until then sounds are skipped, not queued. Mute is remembered across visits.
 */
export type SoundName = 'pickup' | 'gold' | 'contested' | 'count' | 'go' | 'tick' | 'win';

export interface Sounds {
  play(name: SoundName): void;
  readonly muted: boolean;
  setMuted(muted: boolean): void;
  /** For tests and the curious: whether the context exists yet, and what played or was skipped. */
  readonly stats: { unlocked: boolean; played: number; skipped: number };
}

const MUTED_KEY = 'rallypoint-demo-muted';

/** A note: frequency (Hz) at a start offset (s), for a length (s), with a wave and a slide to `to`. */
type Note = [frequency: number, at: number, length: number, wave?: OscillatorType, to?: number];

const TUNES: Record<SoundName, { notes: Note[]; volume: number }> = {
  pickup: { notes: [[880, 0, 0.08, 'triangle'], [1320, 0.06, 0.12, 'triangle']], volume: 0.25 },
  gold: { notes: [[880, 0, 0.07, 'triangle'], [1175, 0.06, 0.07, 'triangle'], [1760, 0.12, 0.18, 'triangle']], volume: 0.28 },
  contested: { notes: [[220, 0, 0.18, 'sawtooth', 110]], volume: 0.12 },
  count: { notes: [[660, 0, 0.12, 'square']], volume: 0.1 },
  go: { notes: [[990, 0, 0.3, 'square']], volume: 0.12 },
  tick: { notes: [[1200, 0, 0.04, 'sine']], volume: 0.15 },
  win: { notes: [[523, 0, 0.14, 'triangle'], [659, 0.14, 0.14, 'triangle'], [784, 0.28, 0.14, 'triangle'], [1047, 0.42, 0.45, 'triangle']], volume: 0.3 },
};

export function createSounds(storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): Sounds {
  let context: AudioContext | undefined;
  let muted = storage.getItem(MUTED_KEY) === '1';
  const stats = { unlocked: false, played: 0, skipped: 0 };
  const unlock = () => {
    if (context !== undefined || typeof AudioContext === 'undefined') return;
    context = new AudioContext();
    stats.unlocked = true;
    for (const type of GESTURES) window.removeEventListener(type, unlock, true);
  };
  for (const type of GESTURES) window.addEventListener(type, unlock, true);

  return {
    play(name) {
      if (context === undefined || muted) {
        stats.skipped++;
        return;
      }
      stats.played++;
      const { notes, volume } = TUNES[name];
      const start = context.currentTime + 0.01;
      for (const [frequency, at, length, wave = 'sine', to] of notes) {
        const osc = context.createOscillator();
        const gain = context.createGain();
        osc.type = wave;
        osc.frequency.setValueAtTime(frequency, start + at);
        if (to !== undefined) osc.frequency.exponentialRampToValueAtTime(to, start + at + length);
        // A short attack and an exponential release: no clicks.
        gain.gain.setValueAtTime(0.0001, start + at);
        gain.gain.exponentialRampToValueAtTime(volume, start + at + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + at + length);
        osc.connect(gain).connect(context.destination);
        osc.start(start + at);
        osc.stop(start + at + length + 0.02);
      }
    },
    get muted() {
      return muted;
    },
    setMuted(value) {
      muted = value;
      storage.setItem(MUTED_KEY, value ? '1' : '0');
    },
    stats,
  };
}

/** The speaker button: mutes and unmutes the game's sounds (not voice chat), remembered. */
export function muteButton(sounds: Sounds): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'mute';
  b.setAttribute('aria-label', 'Mute sounds');
  const render = () => {
    // Drawn, not an emoji: not every system has an emoji font.
    b.innerHTML = sounds.muted ? SPEAKER_OFF : SPEAKER_ON;
    b.title = sounds.muted ? 'sounds off (click to turn on)' : 'sounds on (click to mute)';
    b.setAttribute('aria-pressed', String(sounds.muted));
  };
  b.addEventListener('click', () => {
    sounds.setMuted(!sounds.muted);
    render();
  });
  render();
  return b;
}

const SPEAKER = '<path d="M3 9h4l5-4v14l-5-4H3z" fill="currentColor"/>';
const SPEAKER_ON = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">${SPEAKER}<path d="M15.5 8.5a5 5 0 0 1 0 7M18 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;
const SPEAKER_OFF = `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">${SPEAKER}<path d="M16 9l6 6M22 9l-6 6" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`;

/** What browsers count as a user gesture that may start audio. */
const GESTURES = ['pointerdown', 'keydown', 'touchend'] as const;

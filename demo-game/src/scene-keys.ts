export const SceneKey = {
  Title: 'title',
  Room: 'room',
  Game: 'game',
  GameOver: 'game-over',
} as const;
export type SceneKey = (typeof SceneKey)[keyof typeof SceneKey];

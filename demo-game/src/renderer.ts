/**
 * Which of Phaser's renderers to draw with. WebGL where the GPU does it; Canvas where WebGL would
 * be emulated on the CPU (SwiftShader, llvmpipe: no GPU, or one the browser will not use), since
 * there a Canvas 2D page of a few dozen sprites keeps 60 fps and software WebGL manages about 20
 * (`npm run bench -- browser.game` on this project's CI machine, which has no GPU).
 * `?renderer=webgl` or `?renderer=canvas` chooses by hand.
 */
export type RendererChoice = 'webgl' | 'canvas';

const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

export function chooseRenderer(param: string | null): RendererChoice {
  if (param === 'webgl' || param === 'canvas') return param;
  const gl = document.createElement('canvas').getContext('webgl');
  if (gl === null) return 'canvas';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return SOFTWARE.test(renderer) ? 'canvas' : 'webgl';
}

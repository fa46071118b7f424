// The light build of bottleneck (no Redis clustering) has the same API as the full one; its
// package ships types only for the full build, hence this declaration. The throttling plugin
// of Octokit needs a Bottleneck: the light one keeps the Redis code out of every bundle.
declare module 'bottleneck/light.js' {
  import Bottleneck from 'bottleneck';
  export default Bottleneck;
}

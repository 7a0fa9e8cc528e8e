// For tsc: a .vue file is a Vue component (VitePress compiles them; tsc only needs the type).
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}

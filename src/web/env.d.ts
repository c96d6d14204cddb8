/** Stylesheets imported from components are bundled by Bun into the console's CSS. */
declare module "*.css";

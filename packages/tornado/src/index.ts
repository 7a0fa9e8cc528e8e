/**
 * @aio/tornado — tornado 6's API on aio. Each tornado module is a subpath (`@aio/tornado/ioloop`,
 * `/gen`, `/concurrent`, `/log`, `/locks`, `/queues`, `/netutil`, `/iostream`, `/tcpserver`,
 * `/tcpclient`, `/process`, `/httputil`, `/http1connection`, `/httpserver`, `/httpclient`,
 * `/routing`, `/escape`, `/template`, `/testing`, `/web`, `/websocket`) and a namespace here:
 * `import { gen, ioloop } from '@aio/tornado'`.
 */
export * as concurrent from './concurrent';
export * as escape from './escape';
export * as gen from './gen';
export * as http1connection from './http1connection';
export * as httpclient from './httpclient';
export * as httpserver from './httpserver';
export * as httputil from './httputil';
export * as ioloop from './ioloop';
export * as iostream from './iostream';
export * as locks from './locks';
export * as log from './log';
export * as netutil from './netutil';
export * as process from './process';
export * as queues from './queues';
export * as routing from './routing';
export * as tcpclient from './tcpclient';
export * as tcpserver from './tcpserver';
export * as template from './template';
export * as testing from './testing';
export * as web from './web';
export * as websocket from './websocket';

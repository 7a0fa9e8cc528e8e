// A byte through a socket pair and a selector, using the built CommonJS package as a consumer would.
const { socketpair, DefaultSelector, EVENT_READ } = require('../dist/index.cjs');

const [a, b] = socketpair();
const selector = new DefaultSelector();
selector.register(b, EVENT_READ, 'b');
a.send(Buffer.from('ok'));
const ready = selector.select(1000).map(([key]) => key.data);
const got = b.recv(2).toString();
selector.close();
a.close();
b.close();
if (ready[0] !== 'b' || got !== 'ok')
  throw new Error(`dist smoke failed: ready=${ready} got=${got}`);
console.log('@aio/selector: the CJS build moved a byte through a socketpair and a selector');

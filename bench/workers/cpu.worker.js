'use strict';
// As piscina, tinypool and rxjs-worker-pool/threads load a worker file: a function export.
module.exports = require('./cpu-work').work;

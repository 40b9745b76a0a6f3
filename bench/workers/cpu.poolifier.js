'use strict';
// As poolifier's README shows: the function wrapped in a ThreadWorker.
const { ThreadWorker } = require('poolifier');
module.exports = new ThreadWorker(require('./cpu-work').work);

// Placeholder until the lobby server lands: `npm start` must say plainly that there is nothing to run yet.
process.stderr.write(
  'rallypoint: the lobby server is not built yet (it arrives with the lobby server issue).\n' +
    'Nothing is listening on http://localhost:2567. Run `npm test` to exercise @rallypoint/core.\n',
);
process.exitCode = 1;

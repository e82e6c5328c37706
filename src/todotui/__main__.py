from todotui.cli import main

raise SystemExit(main())

"""The phone side's records: numbers and IVR menus, calls, SMS opt-outs, provider callbacks
processed once."""

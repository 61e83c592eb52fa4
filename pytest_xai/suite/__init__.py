"""Test modules the plugin ships: collected when a selection turns the grid on."""

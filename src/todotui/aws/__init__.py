"""All IO with AWS, asynchronous (aiobotocore): fetches and returns typed answers; interprets
nothing (alerts/ and telemetry/ do). Nothing here imports Textual."""

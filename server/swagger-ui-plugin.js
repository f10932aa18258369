// Switchboard's plugin for Swagger UI's "Try it out" on form-encoded request bodies.
//
// Out of the box Swagger UI (a known limitation, swagger-ui#10248) pre-fills every form
// field with a generated sample ("string", the first enum value, the current time) and
// sends empty fields too, so a create-message form would carry twenty made-up parameters
// and fail. With this plugin a form field starts empty unless the spec gives it an
// example or a default, and empty fields are not sent unless "Send empty value" is
// ticked (which is how to send Body= to redact a message).
function SwitchboardFormExamples(system) {
  var original = system.fn.getSampleSchema;
  return {
    wrapComponents: {
      ParameterIncludeEmpty: function (Original, sys) {
        return function (props) {
          var options = Object.assign({}, props.isIncludedOptions, { defaultValue: false });
          return sys.React.createElement(Original, Object.assign({}, props, { isIncludedOptions: options }));
        };
      }
    },
    fn: {
      getSampleSchema: function (schema, contentType, config, example) {
        // One property of a form body: Swagger UI asks with contentType false.
        if (contentType === false && schema && schema.get) {
          if (schema.get("example") !== undefined || schema.get("default") !== undefined) {
            return original.apply(this, arguments);
          }
          return undefined;
        }
        // The whole form body: the media type's example, or nothing.
        if (contentType === "application/x-www-form-urlencoded") {
          if (example === undefined || example === null) {
            return {};
          }
          return example.toJS ? example.toJS() : example;
        }
        return original.apply(this, arguments);
      }
    }
  };
}
